"""Tiny notebooks for batch tests: each takes the runner's parameters and does one thing quickly."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

PARAMETERS = '''case_dir: str = ""  # the case folder
results_path: str = ""  # where to write results.json
label: str = "plain"  # shown in the headline
fail: bool = False  # raise in the second cell
marker: str = ""  # a file: the kernel dies when it does not exist yet (and creates it)
die: bool = False  # the kernel always dies
sleep_s: float = 0.0  # sleep this long in each of three cells'''

BODY = '''import json, os, time
if die:
    os._exit(1)
if marker and not os.path.exists(marker):
    open(marker, "w").close()
    os._exit(1)
if fail:
    raise RuntimeError(f"assumption missing for {label}")'''

SLEEP = "time.sleep(sleep_s)"

RESULTS = '''if results_path:
    with open(results_path, "w") as stream:
        json.dump({"headline": [f"label {label} <b>escaped</b>"], "provenance": {"seed": 7}}, stream)'''


def write_notebooks(folder: Path, names: tuple[str, ...] = ("01_tiny",)) -> Path:
    """Write the tiny notebook under each name in ``folder``; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        notebook = new_notebook(cells=[
            new_markdown_cell(f"# Tiny {name}"),
            new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
            new_code_cell(BODY), new_code_cell(SLEEP), new_code_cell(SLEEP), new_code_cell(SLEEP),
            new_code_cell(RESULTS),
        ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
        nbformat.write(notebook, folder / f"{name}.ipynb")
    return folder


def write_config(path: Path, text: str) -> Path:
    """Write a batch config file; return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

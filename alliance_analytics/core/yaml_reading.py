"""Reading ``case.yaml`` so every problem can be traced to its line.

Dates are kept as text (pydantic parses them and reports an impossible date like any other bad value,
instead of the YAML reader failing), a key given twice is an error instead of silently taking the last, and a
number in exponent notation (``2e4``, ``1.5e3``) is that number, as YAML 1.2 and JSON read it (PyYAML's
YAML 1.1 resolver reads it as text: yaml/pyyaml#173). The same loader reads command-line parameter values.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_FLOAT_TAG = "tag:yaml.org,2002:float"
MAX_VALUES = 100_000
"""The most values a YAML document may stand for once its aliases are expanded."""
MAX_DEPTH = 100
"""The deepest nesting of values a YAML document may have."""
_EXPONENT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)[eE][-+]?[0-9]+$")
"""A number with an exponent (``1e3``, ``-2E+4``, ``1.5e3``), which YAML 1.1 calls a float only with a dot and a
signed exponent."""


class CaseYamlLoader(yaml.SafeLoader):
    """A safe YAML loader that keeps dates as text and rejects duplicate keys."""

    yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    for _first in "-+.0123456789":
        yaml_implicit_resolvers.setdefault(_first, [])
        yaml_implicit_resolvers[_first] = [(_FLOAT_TAG, _EXPONENT), *yaml_implicit_resolvers[_first]]
    del _first

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping; a key given twice, or a key that is not plain text, is a ``ConstructorError``."""
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(None, None, "a key must be plain text", key_node.start_mark)
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key_node.value}' is given twice (first on line {seen[key_node.value]})",
                    key_node.start_mark)
            seen[key_node.value] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse YAML text into data and the node tree that knows each value's line.

    Parameters
    ----------
    text : str
        The YAML document.

    Returns
    -------
    tuple
        ``(data, root_node)``; ``root_node`` is ``None`` for an empty document.

    Raises
    ------
    yaml.YAMLError
        For a syntax error or a duplicate key; see :func:`describe_yaml_error`.
    """
    try:
        root = yaml.compose(text, Loader=CaseYamlLoader)
        _check_size(root)
        return yaml.load(text, Loader=CaseYamlLoader), root
    except RecursionError:
        raise yaml.YAMLError(f"values are nested more deeply than Python can read (keep nesting below "
                             f"{MAX_DEPTH} levels)") from None


def _check_size(root: yaml.Node | None) -> None:
    """Refuse a document whose aliases expand to more than :data:`MAX_VALUES` values, or nested too deeply.

    Aliases are shared while parsing, so a few kilobytes of nested aliases ("billion laughs") can stand for
    billions of values; anything that walks the data would hang. The expanded size is counted on the node
    graph, each node once.
    """
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise yaml.YAMLError(f"values are nested more than {MAX_DEPTH} levels deep")
        if id(node) in sizes:
            return sizes[id(node)]
        children = ([child for pair in node.value for child in pair] if isinstance(node, yaml.MappingNode)
                    else node.value if isinstance(node, yaml.SequenceNode) else [])
        total = 1 + sum(size(child, depth + 1) for child in children)
        if total > MAX_VALUES:
            raise yaml.MarkedYAMLError(problem=f"its aliases expand to more than {MAX_VALUES:,} values; write the "
                                       "values out or use fewer aliases", problem_mark=node.start_mark)
        sizes[id(node)] = total
        return total

    if root is not None:
        size(root, 0)


def describe_yaml_error(error: yaml.YAMLError) -> tuple[str, int | None]:
    """A message and a line for a YAML error, with the reader's context (what it was parsing, from where).

    Parameters
    ----------
    error : yaml.YAMLError
        As raised by :func:`parse_yaml`.

    Returns
    -------
    tuple of (str, int or None)
        The message and the 1-based line of the problem.
    """
    problem = getattr(error, "problem", None) or str(error)
    mark = getattr(error, "problem_mark", None)
    context, context_mark = getattr(error, "context", None), getattr(error, "context_mark", None)
    if context and context_mark is not None:
        problem += f" ({context} that starts on line {context_mark.line + 1})"
    return problem, (mark.line + 1 if mark is not None else None)


def key_path(location: tuple) -> str:
    """Write a location as a YAML key path.

    Examples
    --------
    >>> key_path(("criteria", 2, "weight"))
    'criteria[2].weight'
    """
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_of(root: yaml.Node | None, location: tuple) -> int | None:
    """The 1-based line of the deepest node on ``location`` that exists (the parent of a missing key).

    Parameters
    ----------
    root : yaml.Node or None
        From :func:`parse_yaml`.
    location : tuple
        Keys and list indices, e.g. ``("criteria", 2, "weight")``.

    Returns
    -------
    int or None
        ``None`` only for an empty document.
    """
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in location:
        if isinstance(node, yaml.MappingNode):
            match = next(((key, value) for key, value in node.value if key.value == str(part)), None)
            if match is None:
                return line
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line

"""Every analysis notebook's ``parameters`` cell declares exactly its model's fields, with the model's defaults."""

from __future__ import annotations

import ast

import pytest

from alliance_analytics.notebook.parameters import declared_parameters
from alliance_analytics.reporting.catalogue import INJECTED, NOTEBOOK_PARAMETERS, available_notebooks


def test_every_notebook_has_a_parameters_model():
    assert set(available_notebooks()) == set(NOTEBOOK_PARAMETERS)


@pytest.mark.parametrize("stem", sorted(NOTEBOOK_PARAMETERS))
def test_the_cell_mirrors_the_model(stem):
    model = NOTEBOOK_PARAMETERS[stem]
    declared = declared_parameters(available_notebooks()[stem])
    assert set(declared) - set(INJECTED) == set(model.model_fields)
    for name, field in model.model_fields.items():
        default = ast.literal_eval(declared[name]["default"])
        assert default == field.default and type(default) is type(field.default), name
        assert declared[name]["inferred_type_name"] == type(field.default).__name__, name
        assert declared[name]["help"], f"{name} has a comment saying what it is"

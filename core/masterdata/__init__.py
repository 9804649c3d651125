"""Master data (data induk) services: units, users, Renstra and indicators, targets, DPA lines, SOP steps.

Every mutating function checks the admin's permission and writes one audit row per changed entity,
in the caller's transaction. Listing functions return DataFrames for the pages.

One module per kind of record: `units`, `users`, `planning` (Renstra periods, sasaran, indicators),
`renstra` (Renstra end targets, Renja levels, realisations before the app, the regency's evaluator),
`targets`, `budget` (DPA lines), `sop` (SOP step definitions), `new_year` (a year prepared from the
previous one); `common` holds the helpers they share. The names below are the package's interface.
"""

from core.masterdata.budget import (
    BUDGET_COLUMNS,
    DOCUMENTS,
    create_budget_line,
    list_budget_lines,
    save_budget_lines,
    update_budget_line,
)
from core.masterdata.common import to_decimal
from core.masterdata.new_year import CopyResult, copy_year
from core.masterdata.planning import (
    COMBINE_LABELS,
    COMBINES,
    POLARITIES,
    POLARITY_LABELS,
    create_indicator,
    create_period,
    create_sasaran,
    list_indicators,
    list_periods,
    list_sasaran,
    update_indicator,
    update_period,
    update_sasaran,
)
from core.masterdata.renstra import (
    INDICATOR_RENSTRA_COLUMNS,
    RENJA_LEVELS,
    evaluator_settings,
    list_indicator_renstra,
    list_prior_budgets,
    list_prior_indicators,
    list_renstra_budgets,
    prior_years,
    save_indicator_renstra,
    save_prior_realisations,
    save_renstra_budgets,
    set_indicator_links,
    update_evaluator,
)
from core.masterdata.settings import formula_examples, formula_of, formula_settings, update_formula_settings
from core.masterdata.sop import list_sop_steps, update_sop_step
from core.masterdata.targets import (
    QUARTERS,
    TARGET_COLUMNS,
    TargetResult,
    list_targets,
    mismatch_warning,
    save_target,
    save_targets,
)
from core.masterdata.units import (
    UNIT_KIND_LABELS,
    UNIT_KINDS,
    create_unit,
    list_units,
    move_unit,
    office_settings,
    rename_unit,
    set_entry_lock_days,
    set_unit_active,
    unit_choices,
)
from core.masterdata.users import (
    USER_FIELDS,
    change_own_phone,
    create_user,
    list_users,
    own_phone,
    reset_password,
    set_user_active,
    update_user,
    validate_nip,
)

__all__ = [
    # units
    "UNIT_KINDS", "UNIT_KIND_LABELS", "list_units", "unit_choices", "create_unit", "rename_unit", "move_unit",
    "set_unit_active", "office_settings", "set_entry_lock_days",
    # users
    "USER_FIELDS", "validate_nip", "list_users", "create_user", "update_user", "set_user_active", "reset_password",
    "change_own_phone", "own_phone",
    # Renstra, sasaran, indicators
    "POLARITIES", "POLARITY_LABELS", "COMBINES", "COMBINE_LABELS", "list_periods", "create_period",
    "update_period", "list_sasaran", "create_sasaran", "update_sasaran", "list_indicators", "create_indicator",
    "update_indicator",
    # targets
    "QUARTERS", "TARGET_COLUMNS", "TargetResult", "mismatch_warning", "list_targets", "save_target",
    "save_targets",
    # DPA / DPPA budget lines
    "DOCUMENTS", "BUDGET_COLUMNS", "list_budget_lines", "create_budget_line", "update_budget_line",
    "save_budget_lines",
    # capaian settings of an office
    "formula_of", "formula_settings", "formula_examples", "update_formula_settings",
    # what the forms sent upward need: Renstra end targets, Renja levels, earlier years, the evaluator
    "RENJA_LEVELS", "INDICATOR_RENSTRA_COLUMNS", "list_indicator_renstra", "save_indicator_renstra",
    "list_renstra_budgets", "save_renstra_budgets", "prior_years", "list_prior_indicators", "list_prior_budgets",
    "save_prior_realisations", "evaluator_settings", "update_evaluator", "set_indicator_links",
    # SOP step definitions
    "list_sop_steps", "update_sop_step",
    # a new planning year
    "CopyResult", "copy_year",
    # shared
    "to_decimal",
]

"""Recap tables of indicators and budget by quarter, year-to-date and year, as pandas DataFrames.

Values come out of SQL already pivoted by quarter (conditional aggregation); the achievement formulas of
core.achievement then run once per indicator. Numbers stay Decimal in the frames; charts and exports
convert them for display. Column keys are snake_case; `LABELS` gives the Indonesian headers.

The package: `indicators` (the indicator recaps and their summaries), `budget` (the budget recaps),
`page` (what the Rekap page shows and downloads: the bundle, the views, the formatting), `common`
(quarters, labels, filters). The names below are its interface.
"""

from core.recap.budget import budget_recap, budget_totals, year_elapsed
from core.recap.common import LABELS, NA, QUARTERS, Filters, Rows, labelled
from core.recap.indicators import (
    ANNUAL_COLUMNS,
    INDICATOR_VIEW,
    annual_recap,
    annual_row,
    indicator_recap,
    indicator_rows,
    predicate_counts,
    projection_recap,
    quarterly_long,
    sasaran_recap,
    unit_recap,
)
from core.recap.page import (
    ANNUAL_VIEW,
    BUDGET_SCREEN,
    BUDGET_VIEW,
    INDICATOR_SCREEN,
    MONEY,
    PERCENT,
    PROJECTION_VIEW,
    SASARAN_VIEW,
    UNIT_VIEW,
    RecapBundle,
    bundle,
    filter_options,
    for_display,
    headline,
    sasaran_view,
    step_durations,
    unit_view,
    views,
)

__all__ = [
    # common
    "QUARTERS", "LABELS", "NA", "Filters", "Rows", "labelled",
    # indicators
    "indicator_recap", "indicator_rows", "INDICATOR_VIEW", "quarterly_long", "annual_recap", "ANNUAL_COLUMNS",
    "annual_row", "unit_recap", "sasaran_recap", "predicate_counts", "projection_recap",
    # budget
    "budget_recap", "budget_totals", "year_elapsed",
    # the Rekap page
    "step_durations", "filter_options", "INDICATOR_SCREEN", "UNIT_VIEW", "SASARAN_VIEW", "unit_view", "sasaran_view", "BUDGET_VIEW",
    "BUDGET_SCREEN", "ANNUAL_VIEW", "PROJECTION_VIEW", "MONEY", "PERCENT", "RecapBundle", "bundle", "views",
    "for_display", "headline",
]

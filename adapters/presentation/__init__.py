"""How figures are shown to people, whichever door they come through: the Swedish labels
and number formats, and the Excel workbooks of budget.md."""

"""The nämnd's budget room (budget.md): the controller's budget file, budget years stored
as events, forecasts, and the verksamhetsmått report that sets outcome beside budget."""

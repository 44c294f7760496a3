"""nozei TUI and command line. Only :mod:`tui.compose` wires storage into services."""

"""Screens, one per module. Screens call services and render; no SQL, no tax rules."""

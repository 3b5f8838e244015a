"""The rules: what each action checks, stores and emits. No HTTP, no SQL."""

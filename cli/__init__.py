"""The `assistant` command: the composition root wiring workflows, knowledge, bot and mail."""

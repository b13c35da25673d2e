"""Parameters of the learned models (plain JSON, read with numpy)."""

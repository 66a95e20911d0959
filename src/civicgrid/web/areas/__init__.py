"""Routes per area of the web app (one module per page group, plus their query modules)."""

"""Map-impact tools above the decision core: `config diff` (routing impact, replay of recorded
decisions) and `config check`'s lint warnings. They run the core's policy over region maps;
the core itself builds only on `regionmap` (the map's types and loader)."""

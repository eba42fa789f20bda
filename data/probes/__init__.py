"""The team's probes, installed as the package `framing.probes` (pyproject.toml maps it onto this
folder), so that an installed package carries the loaded-language probe the promote gate reads
(`framing.training.loaded_probe`). The JSONL files are its package data; the make_*.py scripts beside
them write them and are run as scripts from a clone (data/README.md)."""

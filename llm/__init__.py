"""LLM review between alpha and portfolio construction: contract, prompts, client, cache, offline reviewer."""

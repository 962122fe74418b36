"""Core's HTTP APIs, each built per kernel as an Lcore sub-app."""

// CoopRandom module. See Guides/ARCHITECTURE.md for what belongs here.

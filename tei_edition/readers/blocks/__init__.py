"""The block rules, in modules by what they read; shared by every reader (text and Word
both read through `wcda.read`)."""

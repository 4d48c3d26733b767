"""The offline demonstration: a bundled site of fictional outlets, served on 127.0.0.1."""

"""PLOVER: who did what to whom (political interactions), with no codebook pack of its own."""

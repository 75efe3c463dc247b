"""One document through the wire: each piece asked (re-asks over retries), reviewed once, then
combined;
and many documents at once."""

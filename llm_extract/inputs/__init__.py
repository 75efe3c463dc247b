"""Reading inputs: files, folders and corpus files (JSONL, CSV) into documents."""

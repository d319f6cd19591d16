"""The offline engine and the command line: data readers, model-priced chains, simulator, reports."""

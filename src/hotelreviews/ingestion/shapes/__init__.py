"""Provider line shapes: turning one raw line into a normalised review or a rejection."""

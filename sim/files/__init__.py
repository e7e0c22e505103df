"""File I/O at the edges: reading scenario files safely, and writing result folders atomically."""

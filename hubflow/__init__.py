"""hubflow: the Hugging Face Hub as a workflow of typed task nodes."""

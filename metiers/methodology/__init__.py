"""What a figure is: its declaration, its disclosure rule and its wording per language."""

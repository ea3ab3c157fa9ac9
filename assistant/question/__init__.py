"""Reading the question: the guard, personal data, acronyms and spelling, what is asked."""

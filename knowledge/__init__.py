"""FAQ knowledge base curated from the brochures, and the question matcher. Depends on nothing else here."""

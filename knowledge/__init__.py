"""FAQ knowledge base curated from the brochures, and the question matcher. Depends on nothing else here."""

from knowledge.answer import Answer
from knowledge.base import KnowledgeBase, load_knowledge
from knowledge.loader import KnowledgeDataError
from knowledge.rounds import Round

__all__ = ["Answer", "KnowledgeBase", "KnowledgeDataError", "Round", "load_knowledge"]

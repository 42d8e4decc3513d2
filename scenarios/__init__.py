"""Role-play scenarios: content (TOML), schema, loading, branching and customer voices.

    from scenarios import load_catalogue, next_turn
    cat = load_catalogue()                 # scenarios/data/*.toml + scenarios/phrases.toml
    s = cat["late_delivery"]
    rubric = s.start_turn.rubric()         # analysis.rubric.Rubric for the scorer
    nxt = next_turn(s.start_turn, found={...}, missed={...}, ng_found=set(), over_authority=False)

``scenarios.voice`` (TTS) is not imported here: it pulls in the speech engine only when used.
"""

from .branching import next_turn, paths
from .loader import Catalogue, LoadError, load_catalogue
from .schema import TAGS, VOICES, Branch, Group, Persona, Scenario, Turn

__all__ = [
    "TAGS",
    "VOICES",
    "Branch",
    "Catalogue",
    "Group",
    "LoadError",
    "Persona",
    "Scenario",
    "Turn",
    "load_catalogue",
    "next_turn",
    "paths",
]

"""Audio → transcript → metrics → score. Pure: no streamlit, no database.

Nothing here may reach the network: the Hugging Face hub client (used by faster-whisper) is put
in offline mode and onnxruntime's telemetry is off before either is imported.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

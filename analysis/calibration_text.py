"""The neutral sentence a trainee reads aloud once to calibrate their own voice.

Kept in its own module so that the recording page, the fixture generator and the analysis
share the exact same text.
"""

from __future__ import annotations

# One plain, emotionally neutral sentence of about five seconds at a normal pace.
CALIBRATION_SENTENCE = "本日は晴れて、過ごしやすい一日になりそうです。午後からは少し風が出るかもしれません。"

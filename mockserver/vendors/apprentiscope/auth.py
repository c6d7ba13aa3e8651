"""ApprentiScope auth texts: the token goes as ``Authorization: <token>`` or ``Bearer <token>``."""

from __future__ import annotations

MISSING_TOKEN = "Missing API token. Send it as 'Authorization: YOUR_AUTH_TOKEN'."
INVALID_TOKEN = "Invalid API token. Use the token from the API Credentials section of your Profile page."

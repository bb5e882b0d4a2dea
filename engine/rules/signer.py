"""Fields the engine fills from the user who completes the step, never from what they type.

A signing form's "người ký" and "chức vụ" are who signs, not a claim: a field declares
`"x-from-user": "full_name" | "username" | "position" | "office"` and whatever was typed is
replaced. "office" is the leader's office the signature block needs: "chu_tich" (TM. Ủy
ban nhân dân / Chủ tịch) or "pho_chu_tich" (KT. Chủ tịch / Phó Chủ tịch).
"""

from typing import Any

from engine.access.org import Actor

FROM_USER = "x-from-user"
OFFICES = ("chu_tich", "pho_chu_tich")


def office_of(user: Actor) -> str | None:
    held = {h.role_key for h in user.roles}
    return next((office for office in OFFICES if office in held), None)


def signed_by(schema: dict | None, data: dict[str, Any], user: Actor) -> dict[str, Any]:
    """The data with every `x-from-user` field set from the user (a copy)."""
    filled = dict(data)
    for name, spec in ((schema or {}).get("properties") or {}).items():
        source = spec.get(FROM_USER) if isinstance(spec, dict) else None
        value = (
            {
                "full_name": user.full_name,
                "username": user.username,
                "position": user.position,
                "office": office_of(user),
            }.get(source)
            if isinstance(source, str)
            else None
        )
        if value is not None:
            filled[name] = value
        elif source is not None:
            filled.pop(name, None)  # nothing to fill from: what was typed does not count
    return filled

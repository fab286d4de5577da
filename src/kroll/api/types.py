"""Type aliases shared by every layer.

Objects are plain JSON-shaped dicts exactly as they travel on the wire; helpers in
`kroll.api.meta` read and stamp their metadata. A resource is named by its
*group-resource* string: `pods`, `deployments.apps`, `leases.coordination.k8s.io`.
"""

from typing import Any, NewType

Obj = dict[str, Any]
GroupResource = NewType("GroupResource", str)

# Patch content types
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

"""A few real requests against the running service, printed for the demo."""

import json
import time

import httpx

EXAMPLE_REQUESTS: tuple[dict[str, float | int], ...] = (
    {"customer_id": 1, "amount": 40.0},
    {"customer_id": 2, "amount": 35.5},
    {"customer_id": 3, "amount": 900.0},
    {"customer_id": 42, "amount": 1500.0},
    {"customer_id": 99_999_999, "amount": 60.0},
)


def wait_until_ready(base_url: str, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/ready", timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def show_examples(base_url: str) -> None:
    """POST the example transactions and print each answer on one line."""
    if not wait_until_ready(base_url):
        print(f"service at {base_url} did not become ready; see its log above")
        return
    for body in EXAMPLE_REQUESTS:
        response = httpx.post(f"{base_url}/predict", json=body, timeout=5.0)
        answer = response.json()
        statuses = answer.get("feature_status", {})
        summary = ",".join(sorted(set(statuses.values()))) or "-"
        print(
            f"POST /predict {json.dumps(body)} -> {response.status_code} "
            f"probability={answer.get('probability', float('nan')):.4f} "
            f"model_version={answer.get('model_version')} features={summary}"
        )
    print(f"serving on {base_url} (docs at {base_url}/docs); Ctrl-C to stop")

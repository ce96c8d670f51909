"""The FastAPI inference service: online features per request, scored by the production model."""

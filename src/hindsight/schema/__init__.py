"""Strawberry types, inputs and roots; ``build.build_schema`` assembles them."""

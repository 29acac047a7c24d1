"""Plain types the rest of Portal trades in: DTOs, enums and errors."""

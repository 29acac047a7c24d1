"""Use cases. One public function = one transaction; permission decided in permissions.py."""

"""Annual peer supervision audits: the plan, the audit, supervisee feedback, reflective sessions."""

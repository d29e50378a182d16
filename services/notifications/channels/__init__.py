"""How deliveries leave the service: rendered French e-mails over SMTP, signed webhooks."""


class DeliveryError(Exception):
    """A sending failed. `permanent`: trying again cannot help (the delivery goes dead)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent

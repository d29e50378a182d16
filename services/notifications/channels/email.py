"""E-mail over SMTP (smtplib): STARTTLS or implicit TLS, optional login, timeouts."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import formatdate

from services.notifications.channels import DeliveryError


class Mailer:
    def __init__(self, *, host: str, port: int, sender: str, username: str = "",
                 password: str = "", starttls: bool = False, use_ssl: bool = False,
                 timeout: float = 10.0):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.starttls, self.use_ssl, self.timeout = starttls, use_ssl, timeout

    @classmethod
    def from_settings(cls, settings) -> Mailer:
        return cls(host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
                   username=settings.smtp_username, password=settings.smtp_password,
                   starttls=settings.smtp_starttls, use_ssl=settings.smtp_ssl,
                   timeout=settings.smtp_timeout)

    def send(self, *, to: str, subject: str, text: str, html: str, message_id: str,
             before_data: Callable[[], None] = lambda: None) -> None:
        """Send one message; raise DeliveryError (permanent for a 5xx answer).

        `before_data` runs once the server has accepted the sender and the recipient,
        just before the message is transmitted (DATA): up to there a refusal or a crash
        means nothing arrived; from there on it may have. Whatever it raises ends the
        conversation, nothing transmitted.
        """
        # Unfolded headers (RFC 5322's 998 limit): CPython's folding of a French subject
        # doubles the space before an encoded word ("une  réponse").
        message = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Date"] = formatdate(localtime=False)
        # Stable per delivery: a replayed send is recognisable as the same mail.
        message["Message-ID"] = f"<{message_id}@relais>"
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        try:
            with self._connect() as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                self._envelope(smtp, to)
                before_data()
                code, reply = smtp.data(message.as_bytes())
                if code != 250:
                    raise smtplib.SMTPDataError(code, reply)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(f"smtp recipient refused: {codes}",
                                permanent=all(c >= 500 for c in codes)) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"smtp {exc.smtp_code}", permanent=exc.smtp_code >= 500) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp unavailable: {type(exc).__name__}") from None

    def _envelope(self, smtp: smtplib.SMTP, to: str) -> None:
        """MAIL FROM and RCPT TO, as smtplib's sendmail does them (minus DATA)."""
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(self.sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, self.sender)
        code, reply = smtp.rcpt(to)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({to: (code, reply)})

    def _connect(self) -> smtplib.SMTP:
        if self.use_ssl:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

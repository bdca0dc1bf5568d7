"""Run inside a production-profile process on the restored database: verify one certificate
through the public verification page and read its stored PDF. Prints "<status code> <certificate
status> <shown|missing> <SHA-256 of the PDF file as read back>"."""

import hashlib
import sys


def main(code: str) -> None:
    from django.test import Client

    from certificates.codes import code_display
    from certificates.models import Certificate

    response = Client().get(f"/verify/{code}/", HTTP_HOST="127.0.0.1")
    certificate = Certificate.objects.get(code=code)
    shown = code_display(code) in response.content.decode()
    with certificate.pdf.open("rb") as pdf:
        digest = hashlib.sha256(pdf.read()).hexdigest()
    print(response.status_code, certificate.status, "shown" if shown else "missing", digest)


if __name__ == "__main__":
    import django

    django.setup()
    main(sys.argv[1])

"""Run inside a production-profile process on the restored database: verify one certificate
through the public verification page. Prints "<status code> <certificate status>"."""

import sys


def main(code: str) -> None:
    from django.test import Client

    from certificates.codes import code_display
    from certificates.models import Certificate

    response = Client().get(f"/verify/{code}/", HTTP_HOST="127.0.0.1")
    certificate = Certificate.objects.get(code=code)
    shown = code_display(code) in response.content.decode()
    print(response.status_code, certificate.status, "shown" if shown else "missing")


if __name__ == "__main__":
    import django

    django.setup()
    main(sys.argv[1])

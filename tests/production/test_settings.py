"""The settings stop start-up on a missing secret or a value they cannot parse."""

import pytest

from tests.production.processes import manage, production_env

pytestmark = pytest.mark.production


def test_it_refuses_to_start_with_debug_off_and_no_secret_key(tmp_path):
    env = production_env(var_dir=tmp_path)
    del env["SECRET_KEY"]

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEBUG", "ture"), ("SECURE_COOKIES", "yess"), ("DB_CONN_MAX_AGE", "sixty")],
)
def test_it_refuses_a_value_it_cannot_parse_and_names_the_variable(tmp_path, name, value):
    result = manage("check", env=production_env(var_dir=tmp_path, **{name: value}))

    assert result.returncode != 0
    assert f"{name}={value!r}" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("TRUSTED_PROXIES", "127.0.0.1,nginx.local", "TRUSTED_PROXIES: 'nginx.local'"),
        ("BEHIND_TLS_PROXY", "1", "BEHIND_TLS_PROXY is replaced by TRUSTED_PROXIES"),
    ],
)
def test_it_refuses_a_proxy_setting_it_cannot_use_and_says_why(tmp_path, name, value, said):
    result = manage("check", env=production_env(var_dir=tmp_path, **{name: value}))

    assert result.returncode != 0
    assert said in result.stderr

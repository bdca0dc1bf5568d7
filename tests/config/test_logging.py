import logging


def test_tasks_are_quiet_when_they_succeed_and_logged_when_they_fail():
    """Wagtail updates a page's reference index in a task: `make run` must not print two lines per page
    saved, while a failed task (logged at ERROR) still shows."""
    tasks_logger = logging.getLogger("django.tasks")
    assert not tasks_logger.isEnabledFor(logging.INFO)
    assert tasks_logger.isEnabledFor(logging.ERROR)

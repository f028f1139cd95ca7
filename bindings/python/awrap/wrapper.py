"""Source compatibility with ``aws_advanced_python_wrapper.wrapper``."""


class Wrapper:
    @staticmethod
    def release_resources():
        """Kept for code written for the AWS wrapper. awrap's shared resources (topology and
        host monitors) are owned by the C++ core: they stop when the last connection using them
        is closed, so there is nothing to release here."""

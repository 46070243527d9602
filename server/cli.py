"""Admin commands: ``flask --app server:create_app <command>`` (see README)."""


def register(app):
    pass


def main():
    from . import create_app

    create_app().cli.main()

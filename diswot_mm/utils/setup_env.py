import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register diswot_mm, mmpretrain and mmrazor modules in their registries.

    Args:
        init_default_scope (bool): Whether to make ``diswot_mm`` the default
            scope, so unscoped names resolve in diswot_mm, then mmrazor,
            then mmengine. Defaults to True.
    """
    import mmpretrain.datasets  # noqa: F401,F811
    import mmpretrain.engine  # noqa: F401,F811
    import mmpretrain.evaluation  # noqa: F401,F811
    import mmpretrain.models  # noqa: F401,F811
    import mmrazor.engine  # noqa: F401,F811
    import mmrazor.models  # noqa: F401,F811

    import diswot_mm.datasets  # noqa: F401,F811
    import diswot_mm.engine  # noqa: F401,F811
    import diswot_mm.models  # noqa: F401,F811

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('diswot_mm', scope_name='diswot_mm')
    elif current.scope_name != 'diswot_mm':
        warnings.warn(f'The current default scope "{current.scope_name}" '
                      'is not "diswot_mm"; a new default scope "diswot_mm" '
                      'is created and used.')
        new_name = f'diswot_mm-{datetime.datetime.now()}'
        DefaultScope.get_instance(new_name, scope_name='diswot_mm')

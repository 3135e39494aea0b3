from .search_report_hook import SearchReportHook

__all__ = ['SearchReportHook']

/* Due dates: local calendar days as YYYY-MM-DD strings (how the API stores them). */
import { t, tn, currentLanguage, intlLocale } from './i18n.js';
const DAY = 24 * 60 * 60 * 1000;
export const SOON_DAYS = 2;   // due today, tomorrow or the day after: "due soon"
export const WEEK_DAYS = 7;   // the filter "due this week": today and the next six days

export function isoDay(date) {
  const d = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 10);
}

export const today = () => isoDay(new Date());
export const daysFromToday = (n) => isoDay(new Date(Date.now() + n * DAY));

/** Whole days from today to a YYYY-MM-DD date (negative: in the past). */
export function daysUntil(due) {
  const [y, m, d] = String(due).split('-').map(Number);
  const now = new Date();
  return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())) / DAY);
}

/** 'overdue', 'soon' or null for an open task; a done task is never late. */
export function dueState(task) {
  if (!task.due_date || task.status === 'done') return null;
  const days = daysUntil(task.due_date);
  if (days < 0) return 'overdue';
  return days <= SOON_DAYS ? 'soon' : null;
}

/** "Overdue by 3 days", "Due today", "Due tomorrow", "Due in 2 days", "Due 2031-05-17". */
export function dueText(task) {
  if (!task.due_date) return '';
  const days = daysUntil(task.due_date);
  if (task.status !== 'done') {
    if (days < 0) return tn(-days, 'Overdue by {n} day', 'Overdue by {n} days');
    if (days === 0) return t('Due today');
    if (days === 1) return t('Due tomorrow');
    if (days <= SOON_DAYS) return t('Due in {days} days', { days });
  }
  return t('Due {date}', { date: formatDay(task.due_date) });
}

/**
 * A YYYY-MM-DD day for people: as it is in English (the API's own, unambiguous form),
 * in the language's own date format otherwise (Intl; 17.05.2031 in German).
 */
export function formatDay(day) {
  const [y, m, d] = String(day).split('-').map(Number);
  if (currentLanguage() === 'en' || !y || !m || !d) return String(day);
  return new Intl.DateTimeFormat(intlLocale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

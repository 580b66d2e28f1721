export { dashboardQueries, type DashboardQuery } from './grafana/index.js';

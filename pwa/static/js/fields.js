// Labels of the profile's free-text fields (server/models/customer.py, contact.py).

import { lang } from "./i18n.js";

const L = (en, zh) => ({ en, zh });

export const BACKGROUND = {
  org_chart: L("Organisation chart", "客户组织结构图"), bank_account: L("Bank account", "银行账户"),
  finance_contact: L("Finance contact", "财务联系人"), delivery_address: L("Delivery address", "收货地址"),
  receiving_contact: L("Receiving contact", "收货联系人"), using_departments: L("Using departments", "使用部门"),
  purchasing_departments: L("Purchasing departments", "采购部门"), supporting_departments: L("Supporting departments", "支持部门"),
  maintenance_staff: L("Maintenance staff", "维护人员"), management: L("Management", "管理层"),
  executives: L("Executives", "高层"), installed_base: L("Installed base of similar products", "同类产品使用情况"),
  business: L("The customer's business", "客户的业务"), industry_applications: L("Main applications in the industry", "行业主要应用"),
};

export const OPPORTUNITY_INFO = {
  purchase_plans: L("Recent purchase plans", "近期采购计划"), main_problem: L("Main problem this project solves", "项目要解决的主要问题"),
  decides: L("Who decides", "谁做决定"), sets_specification: L("Who sets the purchase specification", "谁定采购指标"),
  owns_contract_terms: L("Who owns the contract terms", "谁负责合同条款"), installs: L("Who installs", "谁负责安装"),
  maintains: L("Who maintains", "谁负责维护"), purchase_timeline: L("Purchase timeline", "采购时间表"), budget: L("Budget", "预算"),
};

export const PERSONAL = {
  family: L("Family", "家庭"), education: L("University and major", "毕业院校与专业"), spouse: L("Spouse", "配偶"),
  children: L("Children", "子女"), sports: L("Sports", "运动"), food: L("Favourite restaurants and food", "喜欢的餐厅和食物"),
  pets: L("Pets", "宠物"), car: L("Car", "汽车"), reading: L("Reading", "阅读"), residence: L("Where they live", "居住地"),
  last_holiday: L("Last holiday", "上次度假"), next_holiday: L("Next holiday", "下次度假"), hometown: L("Hometown", "家乡"),
  other_organisations: L("Other business organisations", "其他商业组织"), itinerary: L("Itinerary", "行程"),
  colleague_relationships: L("Relationships with colleagues", "与同事的关系"),
};

export const fieldLabel = (group, name) => group[name]?.[lang()] || name;
